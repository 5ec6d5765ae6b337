// Asio and its SSL support are compiled once, here, instead of in every
// translation unit that includes them (BOOST_ASIO_SEPARATE_COMPILATION).
#include <boost/asio/impl/src.hpp>
#include <boost/asio/ssl/impl/src.hpp>
