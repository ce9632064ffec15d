// Command hello is the small program the testrig tests build in place of courtscribe.
package main

import "fmt"

func main() { fmt.Println("hello") }
