// Boost.URL, compiled here rather than linked from libboost_url. Its url_base.ipp
// includes <iostream> without using it, and in a program linked with the static
// libstdc++ that include puts the standard streams' initialisation (std::ios_base::Init:
// eight streams and the classic locale, some 90,000 instructions) into every start of
// the program. libstdc++'s include guard, defined first, keeps it out.
#define _GLIBCXX_IOSTREAM 1
#include <boost/url/src.hpp>
