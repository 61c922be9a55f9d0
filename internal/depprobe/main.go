package main

import (
	_ "github.com/expr-lang/expr"
	_ "github.com/gorilla/mux"
	_ "github.com/nicksnyder/go-i18n/v2/i18n"
	_ "github.com/prometheus/client_golang/prometheus"
	_ "github.com/uptrace/bun"
	_ "github.com/uptrace/bun/dialect/pgdialect"
	_ "github.com/uptrace/bun/dialect/sqlitedialect"
	_ "github.com/uptrace/bun/driver/pgdriver"
	_ "github.com/uptrace/bun/migrate"
	_ "golang.org/x/text/language"
	_ "gopkg.in/yaml.v3"
	_ "modernc.org/sqlite"
)

func main() {}
