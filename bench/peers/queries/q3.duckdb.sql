SELECT srcaddr, count(*) AS n FROM FLOWS WHERE action = 'REJECT' GROUP BY srcaddr ORDER BY n DESC, srcaddr LIMIT 15
