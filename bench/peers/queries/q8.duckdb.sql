SELECT flow_direction, srcaddr, dstaddr, pkt_srcaddr, pkt_dstaddr, count(action) AS redjects FROM CUSTOM
WHERE action = 'REJECT' AND NOT contains(srcaddr, '162.142.125.') AND contains(flow_direction, 'ingress')
GROUP BY flow_direction, srcaddr, dstaddr, pkt_srcaddr, pkt_dstaddr
