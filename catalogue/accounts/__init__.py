"""Account administration without Flask (issue 13 §3, issue 10 items 4 and 12): organisations and users managed by admins
and coordinators (`admin`), invitations (`invitations`), TOTP two-factor authentication with recovery codes
(`two_factor`), session generations and idle expiry (`sessions`), and the account audit trail (`audit`).

Authentication and permissions on instruments stay in `catalogue.auth`."""
