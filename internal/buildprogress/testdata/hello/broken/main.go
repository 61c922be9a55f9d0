// Command broken is a fixture for buildprogress's tests: it does not build.
package main

func main() {
	var n int = "not a number"
	_ = n
}
