SELECT srcaddr, count(*) AS n FROM FLOWS WHERE dstport = 22 OR dstport = 3389 GROUP BY srcaddr ORDER BY n DESC, srcaddr LIMIT 15
