from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from .models import User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "is_staff", "restriction", "date_joined"]
    list_filter = ["is_staff", "is_active", "restriction", "groups"]
    search_fields = ["email", "first_name", "last_name"]
    readonly_fields = ["restriction", "restriction_reason", "restriction_changed_at", "last_login", "date_joined"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Personal", {"fields": ("first_name", "last_name", "email_verified")}),
        ("Restriction", {"fields": ("restriction", "restriction_reason", "restriction_changed_at")}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)
