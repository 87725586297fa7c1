"""Reference data every service may read, shipped with the project: the business-scope
catalogue and the foreign-investment negative list (`scope`), the parts of an enterprise
name (`names`) and the Free Trade Zone areas' division codes (`areas`).

It lives apart from any one service so that a department's rules (commerce, market) and the
intake read the same tables without importing each other.
"""
