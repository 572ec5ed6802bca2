from supercuts_app.cli import main

raise SystemExit(main())
