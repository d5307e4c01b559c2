SELECT srcaddr, uniqExact(dstport) AS ports FROM FLOWS GROUP BY srcaddr HAVING ports > 100 ORDER BY ports DESC, srcaddr
