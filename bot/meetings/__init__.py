"""Meetings, calendars and timelines: 三会一课 台账 (ledger), 发展党员 steps and 换届 due dates."""
