package script
import ("fmt";"testing")
func TestY(t *testing.T) { for _, p := range []string{"23456789012","98765432101","49990001111"} { d,_ := VerhoeffCheckDigit(p); fmt.Println(p, d) } }
