"""Yearly assistance plans (驻村帮扶工作规划) and key task lists (重点帮扶任务清单)."""
