package client

// SetOnline records whether the client is connected. An offline client sends nothing; its
// provider holds what is delivered to it (mimi.Provider.SetOnline) until it reconnects.
func (c *Client) SetOnline(online bool) { c.offline = !online }

// Online reports whether the client is connected.
func (c *Client) Online() bool { return !c.offline }
