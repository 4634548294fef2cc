package txmgr

// SetAfterBroadcast installs a hook that runs right after each broadcast; an
// error from it ends Send there, as if the process had died.
func SetAfterBroadcast(m *Manager, f func() error) { m.afterBroadcast = f }
