"""Assistance projects (帮扶项目): funds by source, stages, colour status, the asset ledger."""
