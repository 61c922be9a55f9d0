package main

import (
	"context"
	"os"
	"strconv"
	"syscall"
	"time"
)

// yieldCPU lowers this process's scheduling priority to nice n, so that on
// a machine it shares with the servers it loads and their database, they
// get the cores first, as they would if the generator (Meta, the network)
// were elsewhere. Linux keeps a nice value per thread, so every thread is
// set, and again every second for threads the Go runtime starts later,
// until ctx ends. Processes started before the call keep their priority.
func yieldCPU(ctx context.Context, n int) error {
	if err := setNice(n); err != nil {
		return err
	}
	go func() {
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				_ = setNice(n)
			}
		}
	}()
	return nil
}

// setNice sets every thread of this process to nice n.
func setNice(n int) error {
	tasks, err := os.ReadDir("/proc/self/task")
	if err != nil {
		return err
	}
	for _, t := range tasks {
		tid, err := strconv.Atoi(t.Name())
		if err != nil {
			continue
		}
		if err := syscall.Setpriority(syscall.PRIO_PROCESS, tid, n); err != nil && err != syscall.ESRCH {
			return err
		}
	}
	return nil
}
