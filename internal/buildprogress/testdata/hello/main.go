// Command hello is a fixture for buildprogress's tests: it builds.
package main

import "fmt"

func main() { fmt.Println("hello") }
