SELECT count() FROM FLOWS WHERE srcaddr LIKE '10.0.1.%' AND action = 'REJECT'
