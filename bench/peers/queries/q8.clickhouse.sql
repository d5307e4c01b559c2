SELECT flow_direction, srcaddr, dstaddr, pkt_srcaddr, pkt_dstaddr, count(action) AS redjects FROM CUSTOM
WHERE action = 'REJECT' AND position(srcaddr, '162.142.125.') = 0 AND position(flow_direction, 'ingress') > 0
GROUP BY flow_direction, srcaddr, dstaddr, pkt_srcaddr, pkt_dstaddr
