"""Following a search ("Houd mij op de hoogte"). Plain modules without Flask:

- `filters`: the exact filter of a list page or wizard result, normalised, described in words, matched
- `subscriptions`: subscribe with double opt-in (signed links), confirm, unsubscribe (the address is deleted)
- `changes`: what changed, in plain words, from the audit trail ("duur 2 → 3 maanden")
- `digest`: the periods, a subscription's digest (new, changed, ending within 30 days, ended), sending it once
"""
