// Module Verification: see README.md "Layout".
