"""The agent console: the Django admin as the place where complaints are worked.

- queues.py   the changelist as a queue: filters, saved queues, search, a capped count
- actions.py  what a person may do to a complaint now (available_actions) and doing it
- forms.py    one small form per action
- services.py the console's own audited changes (direct edits, priority, intake customers)
- views.py    the admin views: act on a complaint, bulk steps, intake, history
- site.py     the admin site: saved queues on the index, the second factor, TOTP enrolment

Every change still goes through a service function (complaints.services or console.services);
nothing here saves a complaint itself.
"""
