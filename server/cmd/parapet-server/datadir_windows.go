package main

// restrictUmask does nothing on Windows, where new files inherit the
// folder's ACL.
func restrictUmask() {}

// checkDataDir does nothing on Windows.
// TODO: check that the data folder's ACL grants access only to the service
// account and administrators.
func checkDataDir(string) error { return nil }
