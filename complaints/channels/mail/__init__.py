"""Inbound e-mail: parse one raw message, decide what it is, act through the services.

parse.py reads the bytes; process.py claims the message once and routes it (new complaint,
message on a complaint, ignored, quarantined); fetch.py feeds it from IMAP or a Maildir.
"""
