SELECT srcaddr, count(DISTINCT dstport) AS ports FROM FLOWS GROUP BY srcaddr HAVING count(DISTINCT dstport) > 100 ORDER BY ports DESC, srcaddr
