"""From findings to action: alerts, the service backlog's actions, and the CX action plan.

Every analysis finds what hurts; this package turns the findings into what leadership
steers by. :mod:`~cxlib.actions.alerts` says what broke (a target newly missed, a KPI
significantly worse than last month or last year, a spike in negative comments or
mentions); :mod:`~cxlib.actions.plan` turns friction points, churn drivers, NPS key
drivers, at-risk personas, comment themes, alerts and the service backlog into actions
sized the same way (customers affected, revenue at risk per year with its CI), each with
an owner and a KPI to watch; :mod:`~cxlib.actions.tracking` keeps each action's id and
its watched KPI from run to run.
"""
