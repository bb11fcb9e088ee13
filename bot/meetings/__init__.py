"""Meetings, calendars and timelines: 发展党员 steps and 换届 due dates as plain dates."""
