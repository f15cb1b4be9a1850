"""The cost lever: what each way of making a shot costs on this machine, and the router that picks the
cheapest one that can give the shot (engine.cost.calibration, engine.cost.router)."""
