# Regimes, SLA policies, business calendars and due times arrive with the escalation issue.
