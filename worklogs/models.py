"""三本记录: daily work logs (民情日记), weekly and monthly summaries built from them, service records."""
