"""Due dates as iCalendar feeds, read with a calendar token."""
