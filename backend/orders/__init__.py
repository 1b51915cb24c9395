"""Service orders: the state machine, creation with its checks, transitions with an audit trail,
and paper back-fill (补登) of services done while the system was down."""
