# What `cmake --install` and the Debian package (tools/package) put where: the binary,
# its man page, the systemd unit and its user, shell completion, the docs and the
# config template. The package is built with the prefix /usr; `cmake --install`
# uses the same layout under its prefix (/usr/local by default).

include(GNUInstallDirs)

# Debian 12 keeps units and sysusers.d files below /lib and /usr/lib; systemd also
# searches /usr/local/lib for both, which `cmake --install` uses by default.
if(CMAKE_INSTALL_PREFIX STREQUAL "/usr")
  set(remaphore_unit_dir /lib/systemd/system)
  set(remaphore_sysusers_dir /usr/lib/sysusers.d)
  set(remaphore_zsh_dir ${CMAKE_INSTALL_DATADIR}/zsh/vendor-completions)
else()
  set(remaphore_unit_dir lib/systemd/system)
  set(remaphore_sysusers_dir lib/sysusers.d)
  set(remaphore_zsh_dir ${CMAKE_INSTALL_DATADIR}/zsh/site-functions)
endif()
set(remaphore_pkg ${CMAKE_SOURCE_DIR}/packaging)
set(remaphore_examples ${CMAKE_INSTALL_DOCDIR}/examples)

install(TARGETS remaphore RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

# Debian keeps man pages and changelogs gzipped; -n leaves the timestamp out for
# repeatable packages.
add_custom_command(OUTPUT remaphore.1.gz
  COMMAND gzip -9n -c ${CMAKE_SOURCE_DIR}/doc/remaphore.1 > remaphore.1.gz
  DEPENDS ${CMAKE_SOURCE_DIR}/doc/remaphore.1 VERBATIM)
add_custom_command(OUTPUT changelog.gz
  COMMAND gzip -9n -c ${remaphore_pkg}/debian/changelog > changelog.gz
  DEPENDS ${remaphore_pkg}/debian/changelog VERBATIM)
add_custom_target(manpage ALL DEPENDS remaphore.1.gz changelog.gz)
install(FILES ${CMAKE_BINARY_DIR}/remaphore.1.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
# The README for users: README.md without building, benchmarks and pictures.
add_custom_command(OUTPUT user/README.md
  COMMAND ${CMAKE_COMMAND} -E make_directory user
  COMMAND awk -f ${remaphore_pkg}/user_readme.awk ${CMAKE_SOURCE_DIR}/README.md > user/README.md
  DEPENDS ${remaphore_pkg}/user_readme.awk ${CMAKE_SOURCE_DIR}/README.md VERBATIM)
add_custom_target(user_readme ALL DEPENDS user/README.md)
add_dependencies(manpage user_readme)
install(FILES ${CMAKE_BINARY_DIR}/user/README.md ${remaphore_pkg}/debian/copyright ${CMAKE_BINARY_DIR}/changelog.gz
        DESTINATION ${CMAKE_INSTALL_DOCDIR})

# The listener unit names the binary by its installed path.
set(REMAPHORE_BINARY ${CMAKE_INSTALL_FULL_BINDIR}/remaphore)
configure_file(${remaphore_pkg}/systemd/remaphore-listen@.service.in remaphore-listen@.service @ONLY)
install(FILES ${CMAKE_BINARY_DIR}/remaphore-listen@.service DESTINATION ${remaphore_unit_dir})
install(FILES ${remaphore_pkg}/systemd/remaphore.sysusers DESTINATION ${remaphore_sysusers_dir}
        RENAME remaphore.conf)

# Shell completion: the option lists come from the option table that --help prints,
# through a small generator built from the same source.
add_executable(remaphore-completion-gen ${remaphore_pkg}/completion/gen_completion.cpp src/app/cli_table.cpp)
target_link_libraries(remaphore-completion-gen PRIVATE remaphore_protocol remaphore_log)
foreach(script remaphore.bash _remaphore)
  add_custom_command(OUTPUT completion/${script}
    COMMAND ${CMAKE_COMMAND} -E make_directory completion
    COMMAND remaphore-completion-gen ${remaphore_pkg}/completion/${script}.in > completion/${script}
    DEPENDS remaphore-completion-gen ${remaphore_pkg}/completion/${script}.in VERBATIM)
endforeach()
add_custom_target(completion ALL DEPENDS completion/remaphore.bash completion/_remaphore)
install(FILES ${CMAKE_BINARY_DIR}/completion/remaphore.bash
        DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions RENAME remaphore)
install(FILES ${CMAKE_BINARY_DIR}/completion/_remaphore DESTINATION ${remaphore_zsh_dir})

install(FILES ${remaphore_pkg}/examples/remaphore.conf DESTINATION ${remaphore_examples})
install(FILES ${remaphore_pkg}/examples/listen/web.conf ${remaphore_pkg}/examples/listen/restart-nginx.conf
        DESTINATION ${remaphore_examples}/listen)
install(FILES ${remaphore_pkg}/examples/polkit/50-remaphore-restart.rules DESTINATION ${remaphore_examples}/polkit)
install(FILES ${remaphore_pkg}/examples/sudo/remaphore.sudoers ${remaphore_pkg}/examples/sudo/unit-sudo.conf
        DESTINATION ${remaphore_examples}/sudo)

# /etc/remaphore: the commented config template (no keys) and the folder of listener
# files. An existing config is never replaced: not by `cmake --install`, and in the
# package it is a conffile, which dpkg keeps when the admin has changed it. The
# maintainer scripts give both to the remaphore group.
install(DIRECTORY DESTINATION /etc/remaphore/listen)
install(CODE "
  if(EXISTS \"\$ENV{DESTDIR}/etc/remaphore/remaphore.conf\")
    message(STATUS \"Kept: \$ENV{DESTDIR}/etc/remaphore/remaphore.conf\")
  else()
    file(INSTALL DESTINATION /etc/remaphore TYPE FILE FILES \"${remaphore_pkg}/examples/remaphore.conf\")
  endif()")

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME remaphore)
set(CPACK_PACKAGE_VENDOR remaphore)
set(CPACK_PACKAGE_CONTACT "remaphore maintainers <maintainers@remaphore.invalid>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "remote semaphore: signed signals between hosts over NATS")
set(CPACK_PACKAGE_DESCRIPTION "remaphore makes hosts wait for, send and answer small ed25519-signed
messages over a NATS server: a CI job waits until another host says a build
is done, a group of hosts runs a command when told to and reports back.
Wire- and config-compatible with the Go tool of the same name.
.
The package includes a systemd template unit, remaphore-listen@.service,
that runs a listener per file in /etc/remaphore/listen.")
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# The maintainer scripts create the remaphore user with adduser.
set(CPACK_DEBIAN_PACKAGE_DEPENDS adduser)
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${remaphore_pkg}/debian/conffiles ${remaphore_pkg}/debian/postinst ${remaphore_pkg}/debian/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
# Absolute destinations (/etc) go below the staging directory like the rest.
set(CPACK_SET_DESTDIR ON)
set(CPACK_PACKAGING_INSTALL_PREFIX ${CMAKE_INSTALL_PREFIX})
set(CPACK_STRIP_FILES ON)
include(CPack)
