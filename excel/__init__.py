"""Excel in and out, shared by every import and export (DESIGN.md: "Excel in", "Excel out").

reader.py   read xlsx / xls / ods / csv into a Table of rows (header row found, headers normalised, aliases)
values.py   turn cell values into dates, choices, text, with reasons in Chinese
writer.py   streaming, formula-safe xlsx writing; import templates with dropdowns
pipeline.py the import flow: validate every row, plan new / updated / unchanged, write all or nothing
"""
