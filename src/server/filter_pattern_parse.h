// The filter pattern parser (private to src/server/filter_pattern*): text in,
// Program out. The grammar, informally:
//
//   pattern    := blank* | terms | json | delimited
//   terms      := ( '?'? '-'? ( quoted | regex | bare ) )+
//   json       := '{' expr '}'
//   delimited  := '[' element ( ',' element )* ']'
//   element    := '' | '...' | name | expr
//   expr       := and ( '||' and )* ; and := primary ( '&&' primary )*
//   primary    := '(' expr ')' | operand op value
//                 | selector ( 'IS' ('NULL'|'TRUE'|'FALSE') | 'NOT' 'EXISTS' )   (JSON)
//   operand    := selector ('$' ('.' key | '[' digits ']')*) in JSON, a field name
//                 ([A-Za-z0-9_-]+) in space-delimited patterns
//   op         := '=' | '!=' | '<' | '<=' | '>' | '>='
//   value      := quoted | regex | bare ; '*' at either end of a string is a wildcard
//   regex      := '%' chars '%'
//
// Errors name the 1-based character column: "Invalid filter pattern: column 7: ...".
#pragma once

#include <memory>
#include <string_view>

#include "common/status.h"
#include "server/filter_pattern_program.h"

namespace flowlens::server::filter_pattern {

Result<std::shared_ptr<Program>> ParseProgram(std::string_view text);

}  // namespace flowlens::server::filter_pattern
