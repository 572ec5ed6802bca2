from supercuts_app.cli.main import main

raise SystemExit(main())
