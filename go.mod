module github.com/wgowrt/wgowrt

go 1.21
