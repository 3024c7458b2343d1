#include "store/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <random>
#include <system_error>
#include <utility>

namespace growthcast::store {

namespace fs = std::filesystem;

namespace {

std::string errno_text(int error) {
  return std::error_code(error, std::generic_category()).message();
}

// The registry: fixed slots (no allocation in the handler), each free (0),
// being filled (1) or holding a path to remove (2). The handler reads only
// slots in state 2, whose path is complete.
constexpr std::size_t kSlots = 16;
constexpr std::size_t kPathBytes = 4096;
struct Slot {
  std::atomic<int> state{0};
  char path[kPathBytes];
};
std::array<Slot, kSlots> slots;

extern "C" void remove_temporaries_and_die(int signal_number) {
  for (Slot& slot : slots)
    if (slot.state.load() == 2) ::unlink(slot.path);
  // Die of the signal as without the handler (exit status 128 + signal).
  std::signal(signal_number, SIG_DFL);
  std::raise(signal_number);
}

std::once_flag handlers_once;

void install_handlers() {
  std::call_once(handlers_once, [] {
    for (int signal_number : {SIGINT, SIGTERM}) {
      struct sigaction action {};
      struct sigaction previous {};
      sigaction(signal_number, nullptr, &previous);
      // A signal the parent told us to ignore stays ignored.
      if (previous.sa_handler == SIG_IGN) continue;
      action.sa_handler = remove_temporaries_and_die;
      sigemptyset(&action.sa_mask);
      action.sa_flags = 0;
      sigaction(signal_number, &action, nullptr);
    }
  });
}

Status fsync_fd_path(const fs::path& path, int flags, const std::string& file) {
  const int fd = ::open(path.c_str(), flags | O_CLOEXEC);
  if (fd < 0)
    return fail(
        "cannot open '" + path.string() + "' to sync it: " + errno_text(errno),
        file);
  const int synced = ::fsync(fd);
  const int error = errno;
  ::close(fd);
  if (synced != 0)
    return fail("cannot sync '" + path.string() + "': " + errno_text(error),
                file);
  return ok();
}

}  // namespace

Status check_output_target(const fs::path& out) {
  struct stat target {};
  if (::stat(out.c_str(), &target) != 0) {
    // Missing is fine; a dangling symbolic link is replaced by the rename.
    return ok();
  }
  if (S_ISREG(target.st_mode)) return ok();
  const char* kind = S_ISDIR(target.st_mode)    ? "a directory"
                     : S_ISCHR(target.st_mode)  ? "a character device"
                     : S_ISBLK(target.st_mode)  ? "a block device"
                     : S_ISFIFO(target.st_mode) ? "a FIFO"
                     : S_ISSOCK(target.st_mode) ? "a socket"
                                                : "not a regular file";
  return fail(std::string("the output path is ") + kind +
                  ", not a regular file: refusing to replace it",
              out.string());
}

fs::path short_temporary_name(const fs::path& dir) {
  static thread_local std::mt19937_64 generator(
      std::random_device{}() ^ (std::uint64_t(::getpid()) << 32));
  char name[32];
  std::snprintf(name, sizeof name, ".gc-%016llx.tmp",
                static_cast<unsigned long long>(generator()));
  return (dir.empty() ? fs::path(".") : dir) / name;
}

void leave_signal_handlers_to_host() {
  std::call_once(handlers_once, [] {});
}

int register_temporary(const fs::path& path) {
  install_handlers();
  const std::string& text = path.native();
  if (text.size() >= kPathBytes) return -1;
  for (std::size_t i = 0; i < kSlots; ++i) {
    int expected = 0;
    if (!slots[i].state.compare_exchange_strong(expected, 1)) continue;
    std::memcpy(slots[i].path, text.c_str(), text.size() + 1);
    slots[i].state.store(2);
    return static_cast<int>(i);
  }
  return -1;
}

void unregister_temporary(int slot) {
  if (slot < 0 || slot >= static_cast<int>(kSlots)) return;
  slots[static_cast<std::size_t>(slot)].state.store(0);
}

Status write_text_atomically(const fs::path& out, std::string_view text,
                             const std::string& field) {
  const std::string name = out.string();
  auto with_field = [&](Status status) {
    if (!status && status.error().field.empty()) status.error().field = field;
    return status;
  };
  if (!out.has_filename())
    return with_field(fail("output path has no file name", name));
  if (auto s = check_output_target(out); !s) return with_field(s);
  fs::path dir = out.parent_path();
  if (dir.empty()) dir = ".";
  // Exclusive creation: O_EXCL fails on any existing name, symbolic links
  // included, so nothing but a new file of ours is ever opened.
  // Registered for removal on SIGINT/SIGTERM before it exists, so no
  // signal can fall between the creation and the registration.
  fs::path temp;
  int fd = -1;
  int slot = -1;
  for (int attempt = 0; attempt < 16 && fd < 0; ++attempt) {
    temp = short_temporary_name(dir);
    slot = register_temporary(temp);
    fd = ::open(temp.c_str(),
                O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
    if (fd >= 0) break;
    const int error = errno;
    unregister_temporary(std::exchange(slot, -1));
    errno = error;
    if (error != EEXIST) break;
  }
  if (fd < 0)
    return with_field(fail("cannot create a temporary file in '" +
                               dir.string() + "': " + errno_text(errno),
                           name));
  auto discard = [&](Status status) {
    if (fd >= 0) ::close(fd);
    ::unlink(temp.c_str());
    unregister_temporary(slot);
    return with_field(status);
  };
  const char* data = text.data();
  std::size_t left = text.size();
  while (left > 0) {
    const ssize_t wrote = ::write(fd, data, left);
    if (wrote < 0 && errno == EINTR) continue;
    if (wrote <= 0)
      return discard(
          fail("cannot write the output: " + errno_text(errno), name));
    data += wrote;
    left -= static_cast<std::size_t>(wrote);
  }
  if (::fsync(fd) != 0)
    return discard(fail("cannot sync the output: " + errno_text(errno), name));
  const int closed = ::close(fd);
  fd = -1;
  if (closed != 0)
    return discard(fail("cannot close the output: " + errno_text(errno), name));
  if (::rename(temp.c_str(), out.c_str()) != 0)
    return discard(fail(
        "cannot rename the temporary file into place: " + errno_text(errno),
        name));
  unregister_temporary(slot);
  return with_field(fsync_fd_path(dir, O_RDONLY | O_DIRECTORY, name));
}

}  // namespace growthcast::store
