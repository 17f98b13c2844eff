"""What the FIWARE kinds share (the Smart Data Models table, entity reading, broker requests); the kinds are ngsi_v2, ngsi_ld, quantumleap."""
