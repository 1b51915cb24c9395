"""Live supervision (实时监管): the services of a station subtree under way and due today, each with
what is wrong with it if anything (``board``). The one action it adds, releasing a volunteer who did
not come so the order can be given to someone else, passes the gate in ``backend.access.orders``."""
