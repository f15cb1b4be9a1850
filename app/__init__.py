# The engine's package sets the no-network switches (engine/offline.py); importing it here makes
# them hold for any entry into the app, whatever module a caller imports first.
import engine  # noqa: F401
