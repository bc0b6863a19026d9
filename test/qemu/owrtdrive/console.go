package main

import "github.com/wgowrt/wgowrt/test/qemu/serial"

// The console reader lives in test/qemu/serial (shared with owrtvm).
type (
	Console   = serial.Console
	StepError = serial.StepError
)

// NewConsole: see serial.NewConsole.
var NewConsole = serial.NewConsole
