"""What the FIWARE kinds (ngsi_v2, ngsi_ld, quantumleap) share: the Smart Data Models table, entities, broker requests."""
