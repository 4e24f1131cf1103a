"""`python -m pyw2v ...` runs the command line."""

from pyw2v.cli import main

raise SystemExit(main())
