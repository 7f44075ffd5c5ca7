"""Feedback loops: readers' reports about public pages ("Klopt er iets niet?").

Plain modules without Flask: `reports` (validate, store, route, resolve), `ratelimit` (per-address limit in the database, also for the subscribe form)."""
