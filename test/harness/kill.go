package harness

import "syscall"

// Kill ends the agent with SIGKILL, as a crash or power loss would, and
// waits until it has exited. Start runs it again on the same state folder.
func (a *Agent) Kill() {
	if a.proc == nil {
		return
	}
	syscall.Kill(-a.proc.cmd.Process.Pid, syscall.SIGKILL)
	err := <-a.proc.done
	a.proc.done <- err
	a.proc = nil
}
