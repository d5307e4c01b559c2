SELECT srcaddr, dstaddr, sum(bytes) AS b FROM FLOWS GROUP BY srcaddr, dstaddr ORDER BY b DESC, srcaddr, dstaddr LIMIT 15
