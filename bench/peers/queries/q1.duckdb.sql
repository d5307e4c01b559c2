SELECT srcaddr, dstaddr, sum(packets) AS p FROM FLOWS GROUP BY srcaddr, dstaddr ORDER BY p DESC, srcaddr, dstaddr LIMIT 15
