"""Workshop scenarios: scripts (``script``), the running one (``state``) and what pages read meanwhile (``overlay``)."""
