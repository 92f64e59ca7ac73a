from spkit.cli.main import main

raise SystemExit(main())
