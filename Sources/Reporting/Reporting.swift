// Module Reporting: see README.md "Layout".
