"""The customer portal: server-rendered pages where customers file and follow complaints.

Views are thin: authorize with an access helper (404 for anything not the customer's), validate
a form, call one function of complaints.services, redirect. Every change to a complaint goes
through those services, exactly as the console's do.
"""
