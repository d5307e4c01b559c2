SELECT intDiv(start, 300) * 300 AS bin, sum(bytes) FROM FLOWS GROUP BY bin ORDER BY bin
